from mediaserver.cli import main

raise SystemExit(main())
