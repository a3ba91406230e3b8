-- Scoring in SQL from the stored parameters gives every fitted customer the group the Python
-- fit gave (K-means' own labels), and the fitted customers are exactly the kmeans rows.
-- Checked for a model fitted at the segments' as_of_date (a fitting run); on a scoring-only
-- day the fitting sample has moved on from the model's.
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

segments as (

    select * from {{ ref('customer_segments') }}

),

current_models as (

    select * from {{ ref('int_segment_current_models') }}

),

fitting_models as (

    select current_models.model_id
    from current_models
    where current_models.as_of_date in (select segments.as_of_date from segments)

),

fitted as (

    select
        artifacts.model_id,
        artifacts.row_key as customer_id,
        artifacts.text_value as segment_code
    from artifacts
    inner join fitting_models
        on artifacts.model_id = fitting_models.model_id
    where artifacts.artifact = 'fitted_assignment' and artifacts.column_key = 'segment_code'

),

scored as (

    select
        segments.model_id,
        segments.customer_id,
        segments.segment_code
    from segments
    inner join fitting_models
        on segments.model_id = fitting_models.model_id
    where segments.assignment_method = 'kmeans'

)

select
    coalesce(fitted.model_id, scored.model_id) as model_id,
    coalesce(fitted.customer_id, scored.customer_id) as customer_id,
    fitted.segment_code as python_segment_code,
    scored.segment_code as sql_segment_code
from fitted
full outer join scored
    on
        fitted.model_id = scored.model_id
        and fitted.customer_id = scored.customer_id
where fitted.segment_code is distinct from scored.segment_code
