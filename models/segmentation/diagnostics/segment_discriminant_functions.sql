-- The canonical discriminant functions of the K-means groups (SPSS DISCRIMINANT's
-- "Eigenvalues" and "Wilks' Lambda" tables, 特征值 / Wilks 的 Lambda): per function its
-- eigenvalue, share of the between-group variance and canonical correlation, and the test of
-- "functions i through m" (Wilks' lambda, Bartlett's chi-square).
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

artifact_rows as (

    select * from artifacts
    where artifact = 'discriminant_function'

),

pivoted as (

    {{ pivot_artifact(
        'artifact_rows',
        'discriminant_function',
        [
            'eigenvalue',
            'pct_variance',
            'cum_pct',
            'canonical_correlation',
            'wilks_lambda',
            'chi_square',
            'df',
            'p_value',
        ],
    ) }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        cast(discriminant_function as integer) as discriminant_function,
        eigenvalue,
        pct_variance,
        cum_pct,
        canonical_correlation,
        wilks_lambda,
        chi_square,
        cast(df as integer) as df,
        p_value
    from pivoted

)

select * from final
