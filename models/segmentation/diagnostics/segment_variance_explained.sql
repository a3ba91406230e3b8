-- Total variance explained (解释的总方差): initial eigenvalues of every component (the scree
-- plot), extraction and rotation sums of squared loadings of the kept factors (null beyond).
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

artifact_rows as (

    select * from artifacts
    where artifact = 'variance_explained'

),

pivoted as (

    {{ pivot_artifact(
        'artifact_rows',
        'component',
        [
            'initial_eigenvalue',
            'initial_pct_variance',
            'initial_cum_pct',
            'extraction_ss_loadings',
            'extraction_pct_variance',
            'extraction_cum_pct',
            'rotation_ss_loadings',
            'rotation_pct_variance',
            'rotation_cum_pct',
        ],
    ) }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        cast(component as integer) as component,
        initial_eigenvalue,
        initial_pct_variance,
        initial_cum_pct,
        extraction_ss_loadings,
        extraction_pct_variance,
        extraction_cum_pct,
        rotation_ss_loadings,
        rotation_pct_variance,
        rotation_cum_pct
    from pivoted

)

select * from final
