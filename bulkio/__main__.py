from bulkio.cli import main

main()
