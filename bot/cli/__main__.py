"""`python -m bot.cli …`, the same as the `linli` console script."""

from bot.cli import main

main()
