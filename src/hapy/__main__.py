from hapy.cli.main import main

raise SystemExit(main())
