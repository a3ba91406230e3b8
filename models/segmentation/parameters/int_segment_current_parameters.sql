-- The parameters of the current model of each scheme (everything but the per-customer fitted
-- assignments): the one place scoring reads the model from.
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

current_models as (

    select * from {{ ref('int_segment_current_models') }}

),

final as (

    select artifacts.*
    from artifacts
    inner join current_models
        on artifacts.model_id = current_models.model_id
    where artifacts.artifact != 'fitted_assignment'

)

select * from final
