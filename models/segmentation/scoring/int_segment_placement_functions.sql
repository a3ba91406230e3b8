-- One row per current model, placement rule, segment and input: each rule that places a
-- customer written as linear functions of the input z-scores, score_j = constant_j +
-- sum_i coefficient_j,i * z_i, the highest score wins (docs/domain.md, "Why this group"):
--   nearest_centre  K-means' nearest centre (customers of assignment_method kmeans). With the
--                   model variables x = W'z (W the factor score coefficients; the identity
--                   without a factor step) and the centres c_j, ||x - c_j||^2 = ||x||^2
--                   - 2 (c_j'x - ||c_j||^2 / 2): coefficient_j,i = sum_d W_i,d c_j,d and
--                   constant_j = -||c_j||^2 / 2; two scores differ by half the difference
--                   of the squared distances.
--   classification  the model's classification functions (new customers where no twin
--                   functions place them; int_segment_scores' classification_score): the
--                   stored assignment functions through W, else Fisher's on the z-scores.
--   twin            the twin functions on the twin z-scores (new customers placed by their
--                   twins, int_segment_twin_placements).
-- Each row carries the input's standardisation under its rule (mean and std of the
-- transformed input, the transform), so a z-score turns back into the input's own units.
with

parameters as (

    select * from {{ ref('int_segment_current_parameters') }}

),

segments as (

    select
        model_id,
        scheme,
        row_key as segment_code,
        value as sort_order,
        -- the segments in display order, numbered as int_segment_scores' slots
        row_number() over (partition by model_id order by value, row_key) as slot
    from parameters
    where artifact = 'segment_naming' and column_key = 'sort_order'

),

-- Mean, std and transform of each input, for the model's inputs and for the twins'.
standardisations as (

    select
        model_id,
        case artifact when 'twin_standardisation' then 'twin' else 'model' end as inputs_of,
        row_key as input_name,
        max(case when column_key = 'mean' then value end) as input_mean,
        max(case when column_key = 'std' then value end) as input_std,
        max(case when column_key = 'transform' then text_value end) as input_transform
    from parameters
    where artifact in ('standardisation', 'twin_standardisation')
    group by model_id, artifact, row_key

),

factor_models as (

    select distinct model_id
    from parameters
    where artifact = 'factor_score_coefficient'

),

-- Input x model variable: the factor score coefficients, or 1 where the model variable is
-- the input itself (a model without a factor step).
input_weights as (

    select
        model_id,
        row_key as input_name,
        column_key as model_variable,
        value as weight
    from parameters
    where artifact = 'factor_score_coefficient'
    union all
    select
        model_id,
        input_name,
        input_name as model_variable,
        1.0 as weight
    from standardisations
    where
        inputs_of = 'model'
        and model_id not in (select factor_models.model_id from factor_models)

),

-- Functions of the model variables: the centres' and the stored assignment functions.
variable_functions as (

    select
        'nearest_centre' as placement_rule,
        model_id,
        row_key as segment_code,
        column_key as model_variable,
        value as coefficient
    from parameters
    where artifact = 'cluster_centre'
    union all
    select
        'classification' as placement_rule,
        model_id,
        row_key as segment_code,
        column_key as model_variable,
        value as coefficient
    from parameters
    where artifact = 'assignment_function' and column_key != 'constant'

),

variable_constants as (

    select
        'nearest_centre' as placement_rule,
        model_id,
        row_key as segment_code,
        -0.5 * sum(value * value) as constant_term
    from parameters
    where artifact = 'cluster_centre'
    group by model_id, row_key
    union all
    select
        'classification' as placement_rule,
        model_id,
        row_key as segment_code,
        value as constant_term
    from parameters
    where artifact = 'assignment_function' and column_key = 'constant'

),

-- The same functions on the input z-scores, through the weights.
functions_of_variables as (

    select
        variable_functions.placement_rule,
        variable_functions.model_id,
        variable_functions.segment_code,
        input_weights.input_name,
        sum(input_weights.weight * variable_functions.coefficient) as coefficient
    from variable_functions
    inner join input_weights
        on
            variable_functions.model_id = input_weights.model_id
            and variable_functions.model_variable = input_weights.model_variable
    group by
        variable_functions.placement_rule,
        variable_functions.model_id,
        variable_functions.segment_code,
        input_weights.input_name

),

assignment_models as (

    select distinct model_id
    from parameters
    where artifact = 'assignment_function'

),

-- Functions stored on the z-scores: Fisher's (the classification rule of a model stored
-- without assignment functions) and the twins'.
stored_functions as (

    select
        case artifact when 'twin_function' then 'twin' else 'classification' end
            as placement_rule,
        model_id,
        row_key as segment_code,
        column_key,
        value
    from parameters
    where
        artifact = 'twin_function'
        or (
            artifact = 'classification_function'
            and model_id not in (select assignment_models.model_id from assignment_models)
        )

),

functions_of_inputs as (

    select
        placement_rule,
        model_id,
        segment_code,
        column_key as input_name,
        value as coefficient
    from stored_functions
    where column_key != 'constant'

),

constants_of_inputs as (

    select
        placement_rule,
        model_id,
        segment_code,
        value as constant_term
    from stored_functions
    where column_key = 'constant'

),

coefficients as (

    select * from functions_of_variables
    union all
    select * from functions_of_inputs

),

constants as (

    select * from variable_constants
    union all
    select * from constants_of_inputs

),

final as (

    select
        coefficients.model_id,
        segments.scheme,
        coefficients.placement_rule,
        coefficients.segment_code,
        segments.sort_order,
        segments.slot,
        coefficients.input_name,
        coefficients.coefficient,
        constants.constant_term,
        standardisations.input_mean,
        standardisations.input_std,
        standardisations.input_transform
    from coefficients
    inner join constants
        on
            coefficients.model_id = constants.model_id
            and coefficients.placement_rule = constants.placement_rule
            and coefficients.segment_code = constants.segment_code
    inner join segments
        on
            coefficients.model_id = segments.model_id
            and coefficients.segment_code = segments.segment_code
    inner join standardisations
        on
            coefficients.model_id = standardisations.model_id
            and coefficients.input_name = standardisations.input_name
            and standardisations.inputs_of
            = case coefficients.placement_rule when 'twin' then 'twin' else 'model' end

)

select * from final
