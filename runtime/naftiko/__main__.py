from naftiko.cli import main

main()
