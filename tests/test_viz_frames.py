"""Backprop as an animation: save_frames (one self-contained HTML page, or a GIF),
frames_widget for Jupyter, and ``autograd-mini graph ... --frames``."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import autograd_mini as am
from autograd_mini.cli import main
from autograd_mini.viz import frames_widget, save_frames
from autograd_mini.viz_steps import backprop_steps


@pytest.fixture(autouse=True)
def need_dot() -> None:
    """Rendering needs Graphviz's dot: a failure under CI, a skip elsewhere."""
    if shutil.which("dot") is None:
        if os.environ.get("CI"):
            pytest.fail("Graphviz's 'dot' is required for the frame tests when CI is set")
        pytest.skip("Graphviz's 'dot' is not installed")


def notes_example(name: str = "x") -> am.Tensor:
    x = am.Tensor(1.5, requires_grad=True, name=name)
    y = am.Tensor(-0.5, requires_grad=True, name="y")
    v3 = x * y
    return v3 - am.log(1 + am.exp(v3))


def frame_count(page: str) -> int:
    return page.count('class="amf-frame"')


def no_external_reference(page: str) -> None:
    low = page.lower()
    for bad in ("http", "src=", "<link", "<img", "url(", "<iframe", "@import"):
        assert bad not in low, bad


@pytest.mark.parametrize("options", [{"textbook": True}, {"by": "node"}])
def test_html_holds_every_frame_and_nothing_outside(tmp_path: Path, options: dict) -> None:
    f = notes_example()
    out = save_frames(f, tmp_path / "backprop.html", **options)
    page = out.read_text(encoding="utf-8")
    assert frame_count(page) == len(list(backprop_steps(f, **options))) == (
        9 if "textbook" in options else 7)
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == frame_count(page)
    assert "<script>" in page and 'type="range"' in page and "play" in page
    no_external_reference(page)


def test_after_backward_the_same_frames(tmp_path: Path) -> None:
    f = notes_example()
    before = save_frames(f, tmp_path / "a.html").read_text(encoding="utf-8")
    f.backward()
    after = save_frames(f, tmp_path / "b.html").read_text(encoding="utf-8")
    assert frame_count(after) == frame_count(before) == 9


def test_a_url_in_a_name_is_not_a_reference(tmp_path: Path) -> None:
    f = notes_example(name="https://example.org/x.png")
    page = save_frames(f, tmp_path / "x.html").read_text(encoding="utf-8")
    no_external_reference(page)
    assert "example.org" in page  # still readable: only the scheme is an entity


def test_widget_shows_the_same_viewer() -> None:
    f = notes_example()
    w = frames_widget(f, textbook=True, interval=250)
    assert len(w) == 9
    assert w._repr_html_() in w.html()
    assert ",250);" in w._repr_html_()
    assert am.viz.frames_widget is frames_widget and am.viz.save_frames is save_frames
    with pytest.raises(ValueError, match="interval"):
        frames_widget(f, interval=0)


def test_gif(tmp_path: Path) -> None:
    image = pytest.importorskip("PIL.Image")
    f = notes_example()
    out = save_frames(f, tmp_path / "backprop.gif", interval=500)
    with image.open(out) as im:
        assert im.format == "GIF" and im.n_frames == 9


def test_gif_without_pillow_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match="Pillow"):
        save_frames(notes_example(), tmp_path / "backprop.gif")
    assert not (tmp_path / "backprop.gif").exists()


def test_unknown_suffix_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.html or \.gif"):
        save_frames(notes_example(), tmp_path / "backprop.png")


def test_the_page_script_steps_through_the_frames(tmp_path: Path) -> None:
    """Run the page's script under node against a tiny stand-in for the DOM."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    page = save_frames(notes_example(), tmp_path / "b.html").read_text(encoding="utf-8")
    script = re.search(r"<script>(.*)</script>", page, re.S)
    assert script is not None
    harness = """
var frames=[];for(var i=0;i<__N__;i++)frames.push({style:{display:i?"none":""}});
var el={slider:{value:0},play:{textContent:""},count:{textContent:""},
 prev:{},next:{}};
var root={querySelectorAll:function(){return frames;},querySelector:function(q){
 return el[q.slice(5)];}};
var document={getElementById:function(){return root;}};
var timers=[];function setInterval(fn){timers.push(fn);return 1;}function clearInterval(){}
__SCRIPT__
function shown(){return frames.map(function(f){return f.style.display==="";})
 .indexOf(true);}
var log=[shown(), el.count.textContent];
el.next.onclick();el.next.onclick();log.push(shown());
el.prev.onclick();log.push(shown());
el.slider.value="8";el.slider.oninput();log.push(shown(), el.count.textContent);
el.play.onclick();log.push(shown());timers[0]();log.push(shown());
console.log(JSON.stringify(log));
""".replace("__N__", str(frame_count(page))).replace("__SCRIPT__", script.group(1))
    run = subprocess.run(["node", "-e", harness], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == [0, "1 / 9", 2, 1, 8, "9 / 9", 0, 1]


def test_cli_frames(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bp.html"
    assert main(["graph", "x*y - log(1 + exp(x*y))", "x=1.5", "y=-0.5",
                 "--frames", str(out)]) == 0
    assert f"wrote {out} (9 frames)" in capsys.readouterr().out
    page = out.read_text(encoding="utf-8")
    assert frame_count(page) == 9
    no_external_reference(page)
    assert main(["graph", "x*y", "x=1", "--frames", str(tmp_path / "bp.svg")]) == 2
    assert ".html or .gif" in capsys.readouterr().err
    assert main(["graph", "2*3", "--frames", str(out)]) == 2
    assert "no backward pass" in capsys.readouterr().err
