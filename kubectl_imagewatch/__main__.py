from kubectl_imagewatch.cli import main

main()
