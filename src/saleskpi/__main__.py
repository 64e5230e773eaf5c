from saleskpi.cli import main

main()
