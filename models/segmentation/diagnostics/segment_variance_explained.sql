-- Total variance explained (解释的总方差): initial eigenvalues of every component (the scree
-- plot), extraction and rotation sums of squared loadings of the kept factors (null beyond).
{{ artifact_table('variance_explained') }}
