-- Reproduced correlations (再生相关性, SPSS FACTOR's "Reproduced Correlations", scheme A):
-- the correlations the kept factors reproduce (diagonal: the extraction communalities) and the
-- residuals, observed minus reproduced (off the diagonal only, as SPSS prints them).
with

correlations as (

    {{ artifact_table(['correlation_matrix', 'reproduced_correlation', 'residual_correlation']) }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        input_name,
        other_input_name,
        input_name = other_input_name as is_diagonal,
        correlation_coefficient as observed_correlation,
        reproduced_correlation,
        residual
    from correlations

)

select * from final
