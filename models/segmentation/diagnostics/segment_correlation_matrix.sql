-- Correlation matrix (相关性矩阵, SPSS FACTOR's "Correlation Matrix") of the model inputs'
-- z-scores in the fitting sample (scheme A); its determinant is in segment_factor_summary.
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
        value as correlation_coefficient
    from artifacts
    where artifact = 'correlation_matrix'

)

select * from final
