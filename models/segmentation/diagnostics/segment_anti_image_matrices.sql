-- Anti-image matrices (反映像矩阵, SPSS FACTOR's "Anti-image Matrices", scheme A): the
-- anti-image covariance and correlation of each pair of inputs. The correlation's diagonal is
-- the input's measure of sampling adequacy (MSA, its KMO in segment_kmo).
with

anti_images as (

    {{ artifact_table(['anti_image_covariance', 'anti_image_correlation']) }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        input_name,
        other_input_name,
        input_name = other_input_name as is_diagonal,
        anti_image_covariance,
        anti_image_correlation
    from anti_images

)

select * from final
