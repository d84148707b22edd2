from amsplan.cli import main

main()
