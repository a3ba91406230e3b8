-- Quality of K-means over a range of k, to choose k: inertia (elbow), silhouette and
-- Calinski-Harabasz (higher is better), Davies-Bouldin (lower is better), and the bootstrap
-- stability of each k (mean ARI of refits on resamples against the k's clustering).
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

artifact_rows as (

    select * from artifacts
    where artifact = 'k_selection'

),

pivoted as (

    {{ pivot_artifact(
        'artifact_rows',
        'k',
        [
            'inertia',
            'silhouette',
            'calinski_harabasz',
            'davies_bouldin',
            'sample_size',
            'silhouette_sample_size',
            'stability_ari_mean',
            'stability_ari_std',
            'stability_resamples',
        ],
    ) }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        cast(k as integer) as k,
        inertia,
        silhouette,
        calinski_harabasz,
        davies_bouldin,
        cast(sample_size as bigint) as sample_size,
        cast(silhouette_sample_size as bigint) as silhouette_sample_size,
        stability_ari_mean,
        stability_ari_std,
        cast(stability_resamples as integer) as stability_resamples
    from pivoted

)

select * from final
