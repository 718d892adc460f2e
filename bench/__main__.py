"""`python -m bench`: run the benchmark scenarios, print the table, write bench/results/."""

from bench.cli import main

raise SystemExit(main())
