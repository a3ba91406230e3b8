-- Classification results (分类结果, SPSS DISCRIMINANT's table): how many fitted customers of
-- each K-means group Fisher's classification functions put in each group, resubstituted
-- (SPSS's "Original") and by exact leave-one-out (SPSS's "Cross-validated"), with the share
-- of the true group's customers. The diagonal shares are segment_hit_rates.
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

priors as (

    select
        model_id,
        json_extract_string(text_value, '$.priors') as priors
    from artifacts
    where artifact = 'model_run' and column_key = 'config'

),

cells as (

    select
        model_id,
        scheme,
        as_of_date,
        split_part(row_key, ':', 1) as validation_method,
        split_part(row_key, ':', 2) as actual_segment_code,
        column_key as predicted_segment_code,
        cast(value as bigint) as customer_count
    from artifacts
    where artifact = 'classification_result'

),

final as (

    select
        cells.model_id,
        cells.scheme,
        cells.as_of_date,
        cells.validation_method,
        priors.priors,
        cells.actual_segment_code,
        cells.predicted_segment_code,
        cells.actual_segment_code = cells.predicted_segment_code as is_correct,
        cells.customer_count,
        cells.customer_count / sum(cells.customer_count) over (
            partition by cells.model_id, cells.validation_method, cells.actual_segment_code
        ) as row_share
    from cells
    left join priors
        on cells.model_id = priors.model_id

)

select * from final
