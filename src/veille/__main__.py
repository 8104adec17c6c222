from veille.stopping import catch_early

catch_early()  # (main() does too; this is before veille.cli is imported)

from veille.cli import main  # noqa: E402

main()
