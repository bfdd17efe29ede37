"""The ``hokusai`` command line: one module per command, output and exit codes.
May import: every layer below.
"""
