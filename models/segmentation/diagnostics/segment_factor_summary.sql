-- One row per factor model (scheme A): the figures SPSS FACTOR prints under its tables: the
-- correlation matrix's determinant, the share of large non-redundant residuals and how many
-- sweeps the varimax rotation took.
with

factor_summaries as (

    {{ artifact_table('factor_summary') }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        determinant,
        large_residual_pct,
        rotation_sweeps
    from factor_summaries

)

select * from final
