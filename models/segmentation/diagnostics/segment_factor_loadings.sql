-- Component matrix and rotated component matrix (成分矩阵, 旋转成分矩阵): each input's loading
-- on each factor before and after varimax rotation (scheme A).
{{ artifact_table(['unrotated_loading', 'rotated_loading']) }}
