"""The service's hashed word counts equal scikit-learn's HashingVectorizer (which the match
index used before), so matching gives the same scores without importing scikit-learn."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction._stop_words import ENGLISH_STOP_WORDS as SKLEARN_STOP_WORDS
from sklearn.feature_extraction.text import HashingVectorizer

from graph_service.analytics.match_features import TEXT_FEATURES
from graph_service.analytics.text_hashing import ENGLISH_STOP_WORDS, hashed_counts

WORDS = ["Savings", "savings", "home", "the", "a", "négocio", "ÑANDÚ", "x", "don't", "co-op"]


def _sklearn(texts: list[str], n: int) -> np.ndarray:
    vectorizer = HashingVectorizer(
        n_features=n, alternate_sign=False, norm=None, stop_words="english"
    )
    return np.asarray(vectorizer.transform(texts).toarray())


def test_the_stop_words_are_scikit_learns() -> None:
    assert ENGLISH_STOP_WORDS == SKLEARN_STOP_WORDS


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join),
            st.text(max_size=60),
        ),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from([8, 1000, TEXT_FEATURES]),
)
def test_hashed_counts_equal_the_hashing_vectorizer(texts: list[str], n: int) -> None:
    ours = hashed_counts(texts, n)
    assert ours.shape == (len(texts), n)
    assert np.array_equal(ours.toarray(), _sklearn(texts, n))
