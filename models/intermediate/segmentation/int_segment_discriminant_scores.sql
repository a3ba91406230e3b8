-- Each customer's Fisher classification function value for every group of the current model
-- of each scheme, ranked: rank 1 is the group the discriminant analysis places the customer in
-- (how the paper assigns new customers).
with

standardised as (

    select * from {{ ref('int_segment_inputs_standardised') }}

),

parameters as (

    select * from {{ ref('int_segment_current_parameters') }}

),

functions as (

    select
        model_id,
        row_key as segment_code,
        column_key as term,
        value as coefficient
    from parameters
    where artifact = 'classification_function'

),

sort_orders as (

    select
        model_id,
        row_key as segment_code,
        value as sort_order
    from parameters
    where artifact = 'segment_naming' and column_key = 'sort_order'

),

linear_parts as (

    select
        standardised.customer_id,
        standardised.scheme,
        standardised.model_id,
        functions.segment_code,
        sum(standardised.z_score * functions.coefficient) as linear_part
    from standardised
    inner join functions
        on
            standardised.model_id = functions.model_id
            and standardised.input_name = functions.term
    group by
        standardised.customer_id,
        standardised.scheme,
        standardised.model_id,
        functions.segment_code

),

final as (

    select
        linear_parts.customer_id,
        linear_parts.scheme,
        linear_parts.model_id,
        linear_parts.segment_code,
        linear_parts.linear_part + constants.coefficient as classification_score,
        row_number() over (
            partition by linear_parts.customer_id, linear_parts.scheme
            order by linear_parts.linear_part + constants.coefficient desc, sort_orders.sort_order
        ) as classification_rank
    from linear_parts
    inner join functions as constants
        on
            linear_parts.model_id = constants.model_id
            and linear_parts.segment_code = constants.segment_code
            and constants.term = 'constant'
    inner join sort_orders
        on
            linear_parts.model_id = sort_orders.model_id
            and linear_parts.segment_code = sort_orders.segment_code

)

select * from final
