-- The canonical discriminant functions of the K-means groups (SPSS DISCRIMINANT's
-- "Eigenvalues" and "Wilks' Lambda" tables, 特征值 / Wilks 的 Lambda): per function its
-- eigenvalue, share of the between-group variance and canonical correlation, and the test of
-- "functions i through m" (Wilks' lambda, Bartlett's chi-square).
{{ artifact_table('discriminant_function') }}
