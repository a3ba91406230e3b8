-- Final cluster centres (最终聚类中心) in model space: factor scores (A) or z-scores (B).
{{ artifact_table('cluster_centre') }}
