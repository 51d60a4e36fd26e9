"""The W3C SHACL test suite, core and SPARQL folders, against our engine.

Read from the shared folder beside the repository (never copied here); skipped where absent.
"""

from __future__ import annotations

import pytest

from tests.w3c_suite import SUITE, cases, expected, ours

ABSENT = f"the W3C SHACL test suite is not at {SUITE} (it sits beside the repository, not in it)"
CASES = ([pytest.param(c, id=c.name) for c in cases()] if SUITE.is_dir()
         else [pytest.param(None, id="absent", marks=pytest.mark.skip(reason=ABSENT))])


@pytest.mark.parametrize("case", CASES)
def test_w3c_shacl(case):
    outcome = ours(case)
    if case.failure:
        assert isinstance(outcome, str) and outcome.startswith("refused: "), "the shapes should be refused"
        return
    assert not isinstance(outcome, str), outcome
    conforms, results = outcome
    want_conforms, want_results = expected(case)
    assert (conforms, sorted(results)) == (want_conforms, sorted(want_results))
