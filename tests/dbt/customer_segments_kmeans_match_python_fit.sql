-- Scoring in SQL from the stored parameters gives every fitted customer the group the Python
-- fit gave (K-means' own labels), and the fitted customers are exactly the kmeans rows.
-- Checked when the current model was fitted at the segments' as_of_date (a fitting run);
-- on a scoring-only day the fitting sample has moved on from the model's.
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

segments as (

    select * from {{ ref('customer_segments') }}

),

fitted as (

    select
        model_id,
        row_key as customer_id,
        text_value as segment_code
    from artifacts
    where artifact = 'fitted_assignment' and column_key = 'segment_code'

),

scored as (

    select
        model_id,
        customer_id,
        segment_code
    from segments
    where assignment_method = 'kmeans'

),

fitting_runs as (

    select distinct segments.model_id
    from segments
    inner join {{ ref('int_segment_current_models') }} as current_models
        on
            segments.model_id = current_models.model_id
            and segments.as_of_date = current_models.as_of_date

)

select
    coalesce(fitted.model_id, scored.model_id) as model_id,
    coalesce(fitted.customer_id, scored.customer_id) as customer_id,
    fitted.segment_code as python_segment_code,
    scored.segment_code as sql_segment_code
from fitted
inner join {{ ref('int_segment_current_models') }} as current_models
    on fitted.model_id = current_models.model_id
full outer join scored
    on
        fitted.model_id = scored.model_id
        and fitted.customer_id = scored.customer_id
where
    fitted.segment_code is distinct from scored.segment_code
    and coalesce(fitted.model_id, scored.model_id) in (
        select fitting_runs.model_id from fitting_runs
    )
