-- Initial cluster centres (初始聚类中心) of the K-means run that produced the model, in model
-- space: factor scores (A) or z-scores (B).
{{ artifact_table('initial_cluster_centre') }}
