"""The README's porting example is a PyTorch program with swapped imports: it must keep running."""
import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_readme_porting_example_runs(capsys):
    section = README.read_text().split("## Porting a PyTorch program", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert "import autograd_core as torch" in code
    exec(compile(code, "README porting example", "exec"), {})
    out = capsys.readouterr().out
    accuracy = float(re.search(r"accuracy ([\d.]+)%", out).group(1))
    assert accuracy > 90
