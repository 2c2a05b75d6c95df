"""Templates are compiled once per process for every environment of one kind (an office builds a
composer per administration), yet an edited template, another folder's template of the same name
and the HTML environment's escaping are never taken from what another one compiled."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import pytest

from followup.mail.environment import environment, render


def _counting_compiles(env: jinja2.Environment, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    compiled: list[str] = []
    original: Callable[..., Any] = env.compile

    def compile_and_count(source: Any, name: str | None = None, *args: Any, **kw: Any) -> Any:
        compiled.append(str(name))
        return original(source, name, *args, **kw)

    monkeypatch.setattr(env, "compile", compile_and_count)
    return compiled


def test_the_next_environment_over_the_same_folder_does_not_compile_the_template_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "greeting.txt.j2").write_text("Dag {{ name }}")
    first, second = environment([tmp_path], html=False), environment([tmp_path], html=False)
    assert render(first, ["greeting.txt.j2"], {"name": "Anna"}) == "Dag Anna"
    compiled = _counting_compiles(second, monkeypatch)

    assert render(second, ["greeting.txt.j2"], {"name": "Bert"}) == "Dag Bert"
    assert compiled == []


def test_an_edited_template_is_compiled_again(tmp_path: Path) -> None:
    template = tmp_path / "greeting.txt.j2"
    template.write_text("Dag {{ name }}")
    render(environment([tmp_path], html=False), ["greeting.txt.j2"], {"name": "Anna"})
    template.write_text("Beste {{ name }}")

    again = render(environment([tmp_path], html=False), ["greeting.txt.j2"], {"name": "Anna"})

    assert again == "Beste Anna"


def test_another_folders_template_of_the_same_name_is_its_own(tmp_path: Path) -> None:
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    for folder, text in ((ours, "Dag {{ name }}"), (theirs, "Hello {{ name }}")):
        folder.mkdir()
        (folder / "greeting.txt.j2").write_text(text)
    render(environment([ours], html=False), ["greeting.txt.j2"], {"name": "Anna"})

    rendered = render(environment([theirs], html=False), ["greeting.txt.j2"], {"name": "Anna"})

    assert rendered == "Hello Anna"


def test_html_is_escaped_and_text_is_not_whichever_compiled_the_template_first(
    tmp_path: Path,
) -> None:
    (tmp_path / "name.j2").write_text("{{ name }}")
    context = {"name": "Jansen & Zn <b>"}

    text = render(environment([tmp_path], html=False), ["name.j2"], context)
    html = render(environment([tmp_path], html=True), ["name.j2"], context)

    assert text == "Jansen & Zn <b>"
    assert html == "Jansen &amp; Zn &lt;b&gt;"
