# System tests that start the whole system (toffee-fw + toffeed + programs
# under `toffee run`) against the Linux kernel's TCP in a peer namespace
# (root; they skip without it). Included by the top Makefile.
TESTS += tests/system/test_apps.sh
