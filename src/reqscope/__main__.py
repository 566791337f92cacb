from reqscope.cli import main

raise SystemExit(main())
