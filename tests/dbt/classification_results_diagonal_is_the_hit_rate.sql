-- The classification results' diagonal share of each group (and the diagonal's share of all
-- customers) is that group's (the overall) hit rate in segment_hit_rates; both methods, and
-- every group of segment_hit_rates has its row in the classification results (of the models
-- that have them: a model stored before the table existed has none).
with

results as (

    select * from {{ ref('segment_classification_results') }}

),

hit_rates as (

    select * from {{ ref('segment_hit_rates') }}
    where
        hit_rate is not null
        and model_id in (select results.model_id from results)

),

per_group as (

    select
        model_id,
        validation_method,
        actual_segment_code as segment_code,
        sum(case when is_correct then row_share else 0 end) as diagonal_share
    from results
    group by model_id, validation_method, actual_segment_code

),

overall as (

    select
        model_id,
        validation_method,
        'overall' as segment_code,
        sum(case when is_correct then customer_count else 0 end)
        / sum(customer_count) as diagonal_share
    from results
    group by model_id, validation_method

),

diagonal as (

    select * from per_group
    union all
    select * from overall

)

select
    hit_rates.model_id,
    hit_rates.validation_method,
    hit_rates.segment_code,
    hit_rates.hit_rate,
    diagonal.diagonal_share
from hit_rates
left join diagonal
    on
        hit_rates.model_id = diagonal.model_id
        and hit_rates.validation_method = diagonal.validation_method
        and hit_rates.segment_code = diagonal.segment_code
where
    diagonal.diagonal_share is null
    or abs(diagonal.diagonal_share - hit_rates.hit_rate) > 1e-9
