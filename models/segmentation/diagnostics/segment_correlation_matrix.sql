-- Correlation matrix (相关性矩阵, SPSS FACTOR's "Correlation Matrix") of the model inputs'
-- z-scores in the fitting sample (scheme A); its determinant is in segment_factor_summary.
{{ artifact_table('correlation_matrix') }}
