-- Classification results (分类结果, SPSS DISCRIMINANT's table): how many fitted customers of
-- each K-means group Fisher's classification functions put in each group, resubstituted
-- (SPSS's "Original") and by exact leave-one-out (SPSS's "Cross-validated"), with the share
-- of the true group's customers. The diagonal shares are segment_hit_rates.
with

model_runs as (

    select * from {{ ref('segment_model_runs') }}

),

results as (

    {{ artifact_table('classification_result') }}

),

cells as (

    select
        model_id,
        scheme,
        as_of_date,
        split_part(method_segment, ':', 1) as validation_method,
        split_part(method_segment, ':', 2) as actual_segment_code,
        predicted_segment_code,
        customer_count
    from results

),

final as (

    select
        cells.model_id,
        cells.scheme,
        cells.as_of_date,
        cells.validation_method,
        model_runs.priors,
        cells.actual_segment_code,
        cells.predicted_segment_code,
        cells.actual_segment_code = cells.predicted_segment_code as is_correct,
        cells.customer_count,
        cells.customer_count / sum(cells.customer_count) over (
            partition by cells.model_id, cells.validation_method, cells.actual_segment_code
        ) as row_share
    from cells
    left join model_runs
        on cells.model_id = model_runs.model_id

)

select * from final
