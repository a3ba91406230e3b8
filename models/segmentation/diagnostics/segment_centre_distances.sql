-- Distances between final cluster centres (最终聚类中心间的距离), in model space.
{{ artifact_table('centre_distance') }}
