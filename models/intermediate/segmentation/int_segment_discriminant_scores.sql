-- Each customer's classification function value for every group of the current model of each
-- scheme, ranked: rank 1 is the group the classification functions place the customer in (how
-- the paper assigns new customers). The functions are the nearest-centre rule written as
-- linear functions of the model variables, score_g(x) = c_g'x - ||c_g||^2 / 2 (they agree
-- with K-means); a model stored without them falls back to Fisher's functions on the z-scores
-- (function_set says which).
with

standardised as (

    select * from {{ ref('int_segment_inputs_standardised') }}

),

model_scores as (

    select * from {{ ref('int_segment_model_scores') }}

),

parameters as (

    select * from {{ ref('int_segment_current_parameters') }}

),

assignment_functions as (

    select
        model_id,
        row_key as segment_code,
        column_key as term,
        value as coefficient
    from parameters
    where artifact = 'assignment_function'

),

fisher_functions as (

    select
        model_id,
        row_key as segment_code,
        column_key as term,
        value as coefficient
    from parameters
    where
        artifact = 'classification_function'
        and model_id not in (select assignment_functions.model_id from assignment_functions)

),

functions as (

    select
        *,
        'nearest_centre' as function_set
    from assignment_functions
    union all
    select
        *,
        'fisher' as function_set
    from fisher_functions

),

sort_orders as (

    select
        model_id,
        row_key as segment_code,
        value as sort_order
    from parameters
    where artifact = 'segment_naming' and column_key = 'sort_order'

),

-- The terms of each function set: model variables (nearest centre) or z-scores (Fisher).
terms as (

    select
        customer_id,
        scheme,
        model_id,
        model_variable as term,
        model_score as term_value
    from model_scores
    union all
    select
        customer_id,
        scheme,
        model_id,
        input_name as term,
        z_score as term_value
    from standardised
    where model_id in (select fisher_functions.model_id from fisher_functions)

),

linear_parts as (

    select
        terms.customer_id,
        terms.scheme,
        terms.model_id,
        functions.segment_code,
        functions.function_set,
        sum(terms.term_value * functions.coefficient) as linear_part
    from terms
    inner join functions
        on
            terms.model_id = functions.model_id
            and terms.term = functions.term
    group by
        terms.customer_id,
        terms.scheme,
        terms.model_id,
        functions.segment_code,
        functions.function_set

),

final as (

    select
        linear_parts.customer_id,
        linear_parts.scheme,
        linear_parts.model_id,
        linear_parts.segment_code,
        linear_parts.function_set,
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
