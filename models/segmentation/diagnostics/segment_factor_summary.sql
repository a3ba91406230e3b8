-- One row per factor model (scheme A): the figures SPSS FACTOR prints under its tables: the
-- correlation matrix's determinant, the share of large non-redundant residuals and how many
-- sweeps the varimax rotation took.
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

artifact_rows as (

    select * from artifacts
    where artifact = 'factor_summary'

),

pivoted as (

    {{ pivot_artifact(
        'artifact_rows',
        'summary_key',
        [
            'determinant',
            'large_residual_pct',
            'rotation_sweeps',
        ],
    ) }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        determinant,
        large_residual_pct,
        cast(rotation_sweeps as integer) as rotation_sweeps
    from pivoted

)

select * from final
