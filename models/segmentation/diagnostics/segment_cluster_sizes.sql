-- Number of cases in each cluster (每个聚类中的案例数) of the fitted customers.
{{ artifact_table('cluster_size') }}
