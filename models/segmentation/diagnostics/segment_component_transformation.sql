-- Component transformation matrix (成分转换矩阵, scheme A): the rotation T that turns the
-- unrotated loadings into the rotated ones, rotated = unrotated x T.
{{ artifact_table('component_transformation') }}
