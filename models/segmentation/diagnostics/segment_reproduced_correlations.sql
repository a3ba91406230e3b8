-- Reproduced correlations (再生相关性, SPSS FACTOR's "Reproduced Correlations", scheme A):
-- the correlations the kept factors reproduce (diagonal: the extraction communalities) and the
-- residuals, observed minus reproduced (off the diagonal only, as SPSS prints them).
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        row_key as input_name,
        column_key as other_input_name,
        row_key = column_key as is_diagonal,
        max(case when artifact = 'correlation_matrix' then value end) as observed_correlation,
        max(case when artifact = 'reproduced_correlation' then value end)
            as reproduced_correlation,
        max(case when artifact = 'residual_correlation' then value end) as residual
    from artifacts
    where artifact in ('correlation_matrix', 'reproduced_correlation', 'residual_correlation')
    group by model_id, scheme, as_of_date, row_key, column_key

)

select * from final
