"""Hashed word counts of free text: the features a family's description adds to matching.

A text is lower-cased, cut into tokens of two or more word characters (the regular
expression ``(?u)\\b\\w\\w+\\b``), English stop words are dropped, and each remaining token
``t`` counts one in column ``|h(t)| mod n`` (``h`` the signed 32-bit MurmurHash3 of its UTF-8
bytes with seed 0): the "hashing trick" (Weinberger et al. 2009), exactly as scikit-learn's
``HashingVectorizer(n_features=n, alternate_sign=False, norm=None, stop_words="english")``
computes it (tested against it), without importing scikit-learn, which takes seconds and
would hold up the service's start.

References
----------
Weinberger, Dasgupta, Langford, Smola, Attenberg, "Feature hashing for large scale multitask
learning", ICML 2009; scikit-learn ``sklearn.feature_extraction.text.HashingVectorizer`` and
its English stop word list (BSD-3-Clause), copied below.

>>> m = hashed_counts(["Savings, savings and a small business"], 2**16)
>>> sorted(m.data.tolist())
[1.0, 1.0, 2.0]
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import mmh3
import numpy as np
import scipy.sparse as sp

_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_MIN_HASH = -(2**31)

# scikit-learn's ENGLISH_STOP_WORDS (sklearn/feature_extraction/_stop_words.py), 318 words.
_STOP_WORDS = """
a about above across after afterwards again against all almost alone along already also
although always am among amongst amoungst amount an and another any anyhow anyone anything
anyway anywhere are around as at back be became because become becomes becoming been before
beforehand behind being below beside besides between beyond bill both bottom but by call can
cannot cant co con could couldnt cry de describe detail do done down due during each eg
eight either eleven else elsewhere empty enough etc even ever every everyone everything
everywhere except few fifteen fifty fill find fire first five for former formerly forty
found four from front full further get give go had has hasnt have he hence her here
hereafter hereby herein hereupon hers herself him himself his how however hundred i ie if in
inc indeed interest into is it its itself keep last latter latterly least less ltd made many
may me meanwhile might mill mine more moreover most mostly move much must my myself name
namely neither never nevertheless next nine no nobody none noone nor not nothing now nowhere
of off often on once one only onto or other others otherwise our ours ourselves out over own
part per perhaps please put rather re same see seem seemed seeming seems serious several she
should show side since sincere six sixty so some somehow someone something sometime
sometimes somewhere still such system take ten than that the their them themselves then
thence there thereafter thereby therefore therein thereupon these they thick thin third this
those though three through throughout thru thus to together too top toward towards twelve
twenty two un under until up upon us very via was we well were what whatever when whence
whenever where whereafter whereas whereby wherein whereupon wherever whether which while
whither who whoever whole whom whose why will with within without would yet you your yours
yourself yourselves
"""
ENGLISH_STOP_WORDS = frozenset(_STOP_WORDS.split())


def tokens(text: str) -> list[str]:
    """The tokens of ``text`` that are counted (lower-cased, stop words dropped).

    Parameters
    ----------
    text : str
        Free text.

    Returns
    -------
    list of str
        Its tokens, in order, repeats kept.

    Examples
    --------
    >>> tokens("We saved for a HOME")
    ['saved', 'home']
    """
    return [t for t in _TOKEN.findall(text.lower()) if t not in ENGLISH_STOP_WORDS]


def hashed_counts(texts: Sequence[str], n_features: int) -> sp.csr_matrix:
    """Token counts of each text, hashed into ``n_features`` columns (see the module doc).

    Parameters
    ----------
    texts : sequence of str
        One text per row.
    n_features : int
        Number of columns.

    Returns
    -------
    scipy.sparse.csr_matrix
        ``len(texts) x n_features``, float64 counts, indices sorted.

    Examples
    --------
    >>> hashed_counts(["", "home home"], 8).toarray().sum(axis=1).tolist()
    [0.0, 2.0]
    """
    indices: list[int] = []
    indptr = [0]
    hash_of: dict[str, int] = {}
    for text in texts:
        for token in tokens(text):
            column = hash_of.get(token)
            if column is None:
                h = mmh3.hash(token.encode("utf-8"), 0, signed=True)
                # abs(-2**31) overflows 32 bits: scikit-learn's defined value for it
                column = (
                    (2**31 - 1 - (n_features - 1)) % n_features
                    if h == _MIN_HASH
                    else abs(h) % n_features
                )
                hash_of[token] = column
            indices.append(column)
        indptr.append(len(indices))
    matrix = sp.csr_matrix(
        (
            np.ones(len(indices)),
            np.array(indices, dtype=np.int64),
            np.array(indptr, dtype=np.int64),
        ),
        shape=(len(texts), n_features),
    )
    matrix.sum_duplicates()
    matrix.sort_indices()
    return matrix
