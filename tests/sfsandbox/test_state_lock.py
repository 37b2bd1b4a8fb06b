"""One sandbox per state folder: a second is refused at once, naming the first; the folder is free again
after a stop."""

from __future__ import annotations

import pytest

from sfsandbox import Sandbox
from sfsandbox.statelock import StateFolderInUse, hold_state_folder


def test_a_second_sandbox_on_the_same_state_folder_is_refused_until_the_first_stops(tmp_path):
    first = Sandbox.start(preset="tiny", state_dir=tmp_path)
    try:
        with pytest.raises(StateFolderInUse) as refused:
            Sandbox.start(preset="tiny", state_dir=tmp_path)
        assert f"(pid {first.connection['pid']}, serving at {first.url})" in str(refused.value)
        assert first.client().query("SELECT COUNT() FROM Account")["totalSize"] > 0, "the first still serves"
    finally:
        first.stop()
    hold_state_folder(tmp_path).close()  # free again once the first stopped
