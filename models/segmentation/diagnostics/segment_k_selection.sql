-- Quality of K-means over a range of k, to choose k: inertia (elbow), silhouette and
-- Calinski-Harabasz (higher is better), Davies-Bouldin (lower is better), and the bootstrap
-- stability of each k (mean ARI of refits on resamples against the k's clustering).
{{ artifact_table('k_selection') }}
