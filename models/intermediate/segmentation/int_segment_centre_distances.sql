-- Each customer's Euclidean distance to every cluster centre of the current model of each
-- scheme, ranked: rank 1 is the nearest centre, K-means' assignment (an exact tie goes to the
-- segment first in display order, as in the Python fit).
with

model_scores as (

    select * from {{ ref('int_segment_model_scores') }}

),

parameters as (

    select * from {{ ref('int_segment_current_parameters') }}

),

centres as (

    select
        model_id,
        row_key as segment_code,
        column_key as model_variable,
        value as centre
    from parameters
    where artifact = 'cluster_centre'

),

sort_orders as (

    select
        model_id,
        row_key as segment_code,
        value as sort_order
    from parameters
    where artifact = 'segment_naming' and column_key = 'sort_order'

),

squared_distances as (

    select
        model_scores.customer_id,
        model_scores.scheme,
        model_scores.model_id,
        centres.segment_code,
        sum(
            (model_scores.model_score - centres.centre)
            * (model_scores.model_score - centres.centre)
        ) as squared_distance
    from model_scores
    inner join centres
        on
            model_scores.model_id = centres.model_id
            and model_scores.model_variable = centres.model_variable
    group by
        model_scores.customer_id,
        model_scores.scheme,
        model_scores.model_id,
        centres.segment_code

),

final as (

    select
        squared_distances.customer_id,
        squared_distances.scheme,
        squared_distances.model_id,
        squared_distances.segment_code,
        sqrt(squared_distances.squared_distance) as distance_to_centre,
        row_number() over (
            partition by squared_distances.customer_id, squared_distances.scheme
            order by squared_distances.squared_distance, sort_orders.sort_order
        ) as distance_rank
    from squared_distances
    inner join sort_orders
        on
            squared_distances.model_id = sort_orders.model_id
            and squared_distances.segment_code = sort_orders.segment_code

)

select * from final
