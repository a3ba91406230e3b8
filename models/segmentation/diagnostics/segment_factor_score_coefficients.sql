-- Component score coefficient matrix (成分得分系数矩阵): factor score = sum of the inputs'
-- z-scores times these coefficients (regression method, W = R^-1 x loadings).
{{ artifact_table('factor_score_coefficient') }}
