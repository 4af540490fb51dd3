"""README stays true to the code it documents."""

from pathlib import Path

from anime_desktop.core.modelfile import KEYS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_metadata_table_matches_the_schema_module():
    rows = [line for line in README.splitlines() if line.startswith("| `")]
    documented = {line.split("`")[1]: line.split("|")[2].strip() for line in rows if line.split("`")[1] in KEYS}
    assert documented == KEYS


def test_readme_starts_with_the_two_commands():
    commands = [line for line in README.split("```bash", 1)[1].split("```", 1)[0].splitlines()
                if line.startswith("python3 -m venv")]
    assert len(commands) == 2 and "pytest" in commands[1]
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci  # CI runs exactly the README's test command


def test_the_run_command_needs_only_what_ships():
    run = [line for line in README.split("```bash", 1)[1].split("```", 1)[0].splitlines()
           if line.startswith("python3 -m venv")][0]
    assert "../shared" not in run and "resources/samples/" in run
    sample = run.split("stylize ", 1)[1].split()[0]
    assert (Path(__file__).resolve().parent.parent / sample).is_file()
