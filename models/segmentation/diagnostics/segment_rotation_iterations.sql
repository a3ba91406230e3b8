-- The varimax rotation sweep by sweep (旋转迭代, scheme A): the criterion after each sweep of
-- Kaiser's planar rotations and the largest angle the sweep turned by.
{{ artifact_table('rotation_iteration') }}
