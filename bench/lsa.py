#!/usr/bin/python3
"""Embeddings a user might bring, made with scikit-learn for the bench: TF-IDF (word 1-2-grams, or
character 1-3-grams for Chinese) then TruncatedSVD (latent semantic analysis) to D dimensions,
L2-normalised, written as an N x D float32 .npy in file row order. Unsupervised: labels unused.

    /usr/bin/python3 lsa.py DATA.csv OUT.npy [--text-col text] [--dim 256] [--analyzer word|char]"""
import argparse

import numpy as np
import pandas as pd
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

ap = argparse.ArgumentParser()
ap.add_argument("data")
ap.add_argument("out")
ap.add_argument("--text-col", default="text")
ap.add_argument("--dim", type=int, default=256)
ap.add_argument("--analyzer", choices=["word", "char"], default="word")
a = ap.parse_args()
df = pd.read_csv(a.data, dtype=str, keep_default_na=False, encoding="utf-8")
vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=2) if a.analyzer == "char" else TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
X = vec.fit_transform(df[a.text_col].to_numpy(dtype=object))
Z = normalize(TruncatedSVD(n_components=a.dim, random_state=0).fit_transform(X)).astype(np.float32)
np.save(a.out, Z)
