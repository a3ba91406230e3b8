-- Functions at group centroids (组质心处的函数, SPSS DISCRIMINANT's table): each K-means
-- group's mean score on each canonical discriminant function (unstandardised scores, centred
-- on the mean of all fitted customers).
{{ artifact_table('group_centroid') }}
