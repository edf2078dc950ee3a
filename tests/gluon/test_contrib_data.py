"""gluon.contrib.data: IntervalSampler under its contrib name; the download-only text datasets
fail with a clear error.
"""

from __future__ import annotations

import pytest

from hybrid.base import HybridError
from hybrid.gluon.contrib import data as contrib_data


def test_interval_sampler_order():
    assert list(contrib_data.IntervalSampler(13, interval=3)) == [
        0, 3, 6, 9, 12, 1, 4, 7, 10, 2, 5, 8, 11,
    ]  # fmt: skip
    assert list(contrib_data.IntervalSampler(13, 3, rollover=False)) == [0, 3, 6, 9, 12]
    with pytest.raises(HybridError, match="IntervalSampler"):
        contrib_data.IntervalSampler(2, 3)


@pytest.mark.parametrize("name", ["WikiText2", "WikiText103"])
def test_text_datasets_say_they_need_a_download(name):
    with pytest.raises(HybridError, match=f"{name}: this dataset downloads"):
        getattr(contrib_data.text, name)(segment="train")
